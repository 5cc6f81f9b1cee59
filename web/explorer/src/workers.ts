/**
 * Monaco's web workers (the editor's, JSON's for variables and headers, GraphQL's for the query),
 * bundled beside the page by scripts/build-web.mjs, which defines their URLs: nothing is loaded from
 * elsewhere.
 */
declare const __EXPLORER_WORKERS__: { editor: string; json: string; graphql: string };

export function setupWorkers(): void {
  const urls = __EXPLORER_WORKERS__;
  (globalThis as unknown as { MonacoEnvironment: unknown }).MonacoEnvironment = {
    getWorker(_id: string, label: string): Worker {
      if (label === 'json') return new Worker(urls.json);
      if (label === 'graphql') return new Worker(urls.graphql);
      return new Worker(urls.editor);
    },
  };
}
