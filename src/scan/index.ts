export { DEFAULT_ENDPOINT_TIMEOUT_MS, type ScanOptions, mapLimit, scanDomain } from './scan.js';
