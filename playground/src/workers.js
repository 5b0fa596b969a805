// Monaco runs its language services in web workers. Vite bundles each one as its
// own file under /graphql/assets (the `?worker` suffix), so they load from this
// origin like every other asset: no CDN, no blob: URL. This must run before any
// editor is created, so main.jsx imports it first.
import EditorWorker from 'monaco-editor/esm/vs/editor/editor.worker.js?worker';
import JsonWorker from 'monaco-editor/esm/vs/language/json/json.worker.js?worker';
import GraphQLWorker from 'monaco-graphql/esm/graphql.worker.js?worker';

globalThis.MonacoEnvironment = {
  getWorker(_workerId, label) {
    if (label === 'graphql') return new GraphQLWorker();
    if (label === 'json') return new JsonWorker();
    return new EditorWorker();
  },
};
