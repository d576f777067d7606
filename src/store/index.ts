export { ResultStore, STATE_VERSION, type StoredEntry, answeredSoftware, scanSucceeded, targetKey } from './store.js';
