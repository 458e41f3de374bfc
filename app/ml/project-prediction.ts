/**
 * Moved to app/jobs/project-prediction.ts (#30: the project jobs sit above ml, loop and store). This
 * re-export is for bench/ only, which imports it from here; it goes once bench imports app/jobs.
 */
export * from "../jobs/project-prediction.ts";
