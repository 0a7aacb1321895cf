/**
 * Cleanups a benchmark runs when it is interrupted (Ctrl-C, SIGTERM): the broker and the processes
 * it started run detached, so without this an interrupted run leaves JVMs behind. Each cleanup runs
 * once, newest first; then the process exits with 130.
 */
const cleanups: Array<() => Promise<void>> = [];
let installed = false;

export function stopOnSignal(cleanup: () => Promise<void>): () => void {
  if (!installed) {
    installed = true;
    const onSignal = (signal: NodeJS.Signals): void => {
      console.error(`[bench] ${signal}: stopping what this run started`);
      void (async () => {
        for (const run of cleanups.splice(0).reverse()) await run().catch(() => undefined);
        process.exit(130);
      })();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  cleanups.push(cleanup);
  return () => {
    const at = cleanups.indexOf(cleanup);
    if (at !== -1) cleanups.splice(at, 1);
  };
}
