/**
 * `node dist/scripts/ensure-pulumi.js`: makes sure the Pulumi CLI with its language hosts and
 * plugins is there, building what is missing (see {@link ensurePulumiCli}), and prints its bin
 * directory. Runs before the e2e suite (`pretest:e2e`).
 */
import { ensurePulumiCli } from "./pulumi-cli";

try {
  console.log(ensurePulumiCli());
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
