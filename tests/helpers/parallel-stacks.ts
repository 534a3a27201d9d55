/** Test access to scripts/parallel-stacks.ts (compiled: it forks the compiled stack worker). */
export { runStacks, type StacksRun } from "../../dist/scripts/parallel-stacks";
