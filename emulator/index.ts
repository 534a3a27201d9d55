/**
 * A faithful emulator of the Vast.ai API-key endpoints (spec: docs/vast-api.md §9.2), for tests,
 * demos and trying the package without a Vast account.
 */
export { EmulatorAdmin } from "./admin";
export type { FaultAction, FaultSpec } from "./faults";
export { type DeepPartialOptions, defaultOptions, type EmulatorOptions, type RateLimitOptions } from "./options";
export { type EmulatorProcess, type EmulatorProcessOptions, startEmulatorProcess } from "./process";
export { ADMIN_HEADER, ADMIN_PREFIX, type EmulatorServer, type RequestLogEntry, type StartOptions, startEmulator } from "./server";
export type { AccountInfo, KeyRecord, StoreData } from "./store";
