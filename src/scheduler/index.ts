export { type Job, Scheduler, type SchedulerLogger, type SchedulerOptions } from './scheduler.js';
