/** What a person sees at `/`: where the API is, the playground, and a first request. */
const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const welcomePage = (endpoint: string): string => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Parley</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;color:#1b1b1f}code,pre{background:#f2f2f5;border-radius:4px}pre{padding:1rem;overflow:auto}</style>
</head>
<body>
<h1>Parley is running</h1>
<p>The GraphQL API answers at <code>${escapeHtml(endpoint)}</code>: <code>POST</code> over HTTP, and subscriptions over WebSocket (graphql-ws) on the same path.</p>
<p><a href="/graphql">Open the GraphQL playground</a>: GraphiQL, served by Parley itself (it works offline), for queries, mutations and subscriptions with the schema's documentation at hand.</p>
<p>Sign up, then send the token as <code>Authorization: Bearer &lt;token&gt;</code>:</p>
<pre>curl -s ${escapeHtml(endpoint)} -H 'content-type: application/json' \\
  -d '{"query":"mutation { signup(username: \\"ada\\", password: \\"correct horse\\") { token user { id } } }"}'</pre>
</body>
</html>
`;
