/** Test access to the emulator process and the repository root. */
import * as path from "node:path";

export { type EmulatorProcess, type EmulatorProcessOptions, startEmulatorProcess } from "../../dist/emulator/process";

/** Repository root. */
export const ROOT = path.resolve(__dirname, "..", "..");
