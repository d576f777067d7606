export { DEFAULT_S2S_FROM, type ScanOptions, mapLimit, scanDomain } from './scan.js';
