export { ResultStore, STATE_VERSION, type StoredEntry, scanSucceeded, targetKey } from './store.js';
