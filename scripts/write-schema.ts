/**
 * `npm run schema`: writes `schema.json` at the repository root from the code that serves the
 * plugin's `GetSchema` (a unit test checks that the two are identical).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { schemaJson } from "../provider/plugin/schema";

const file = path.resolve(__dirname, "..", "..", "schema.json");
fs.writeFileSync(file, schemaJson());
process.stdout.write(`wrote ${path.relative(process.cwd(), file) || file}\n`);
