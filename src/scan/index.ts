export { DEFAULT_ENDPOINT_TIMEOUT_MS, DEFAULT_S2S_FROM, DEFAULT_SCAN_TIMEOUT_MS, type ScanOptions, mapLimit, scanDomain } from './scan.js';
