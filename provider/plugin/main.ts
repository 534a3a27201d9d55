#!/usr/bin/env node
/**
 * Entry point of the `pulumi-resource-vast` plugin (bundled into `dist/plugin/` by
 * `npm run build:plugin`). The engine starts it, reads the port from its first stdout line,
 * and talks gRPC to it; everything else the plugin says goes to stderr.
 */
import { engineAddressOf, watchEngine } from "../engine-liveness";
import { serve } from "./server";

// Stop calling Vast, and exit, once the engine that started this plugin is gone.
watchEngine({ address: engineAddressOf(process.argv.slice(2)) });

process.on("unhandledRejection", (err) => {
  process.stderr.write(`pulumi-resource-vast: unhandled error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});

serve().catch((err: unknown) => {
  process.stderr.write(`pulumi-resource-vast: cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
