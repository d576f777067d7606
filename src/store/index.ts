export { ResultStore, type StoredEntry, answeredSoftware, scanSucceeded, targetKey } from './store.js';
