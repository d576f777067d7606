export { type Job, Scheduler, type SchedulerLogger, type SchedulerOptions } from './scheduler.js';
export { AUTO_MIN_SLOTS, autoSlots, capacityProblem, INITIAL_SCAN_SECONDS, ScanTimeMean } from './sizing.js';
export { checkShard, ordinalOfHostname, ownerOf, ownsDomain, parseShard, type Shard, SINGLE_SHARD } from './shard.js';
