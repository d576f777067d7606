// What the daemon knows: the latest and last good result of each target in memory (store.ts), kept
// in an SQLite database with the history of changes (database.ts, changes.ts); the JSON state file
// of earlier versions is imported once (import-state.ts).
export { CHANGE_KINDS, type ChangeKind, type FactChange, seenAgain, shortCertificates, utcMinute } from './changes.js';
export { type HistoryEntry, type LastChanges, ResultDatabase, type Retention, StoreError, isWriteFailure } from './database.js';
export { StateFileError, importStateFile, readStateFile } from './import-state.js';
export { parseSince } from './since.js';
export { ResultStore, type StoredEntry, answeredSoftware, resultIdentity, scanSucceeded, targetKey } from './store.js';
