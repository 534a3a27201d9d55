/** Reading a state file given on the command line (`pulumi stack export` output or a checkpoint). */
import * as fs from "node:fs";

/**
 * Parses `file` as JSON; `-` reads stdin.
 * @throws Error naming the file when it is not JSON.
 */
export function readStateFile(file: string): unknown {
  const text = file === "-" ? fs.readFileSync(0, "utf8") : fs.readFileSync(file, "utf8");
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${file}: not JSON`);
  }
}
