// Workers first: Monaco asks for them as soon as the first editor is created.
import './workers.js';
import { GraphiQL } from 'graphiql';
import { createRoot } from 'react-dom/client';
import 'graphiql/style.css';
import './playground.css';
import { DEFAULT_HEADERS, DEFAULT_QUERY } from './defaults.js';
import { createParleyFetcher } from './fetcher.js';

// The page is served by the API itself at GET /graphql: the endpoint is this very
// URL (POST), and graphql-ws listens on the same path (ws: or wss: to match http: or https:).
const url = `${location.origin}${location.pathname}`;
const wsUrl = url.replace(/^http/, 'ws');

const fetcher = createParleyFetcher({ url, wsUrl });

createRoot(document.getElementById('playground')).render(
  <GraphiQL
    fetcher={fetcher}
    defaultQuery={DEFAULT_QUERY}
    defaultHeaders={DEFAULT_HEADERS}
    defaultEditorToolsVisibility="headers"
  >
    <GraphiQL.Logo>Parley</GraphiQL.Logo>
  </GraphiQL>,
);
