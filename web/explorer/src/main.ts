import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { createClient } from 'graphql-ws';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import './explorer.css';
import { takeFragmentToken } from '../../shared/fragment-token';
import { setupWorkers } from './workers';

/**
 * GraphiQL against this gateway: queries and mutations over HTTP to /graphql with the headers of
 * its Headers tab (the token prefilled there), subscriptions over graphql-ws at the same path with
 * the token in connection_init. All of it bundled by esbuild (scripts/build-web.mjs): no CDN.
 */
setupWorkers();
const token = takeFragmentToken('occ-explorer-token'); // this tab only, gone when it closes
const authorization = token ? `Bearer ${token}` : undefined;
const socketUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;

const fetcher = createGraphiQLFetcher({
  url: `${location.origin}/graphql`,
  wsClient: createClient({ url: socketUrl, lazy: true, connectionParams: () => ({ authorization }) }),
});

const headers = JSON.stringify({ Authorization: authorization ?? 'Bearer <a JWT: npm run token -- --role admin>' }, null, 2);
const defaultQuery = `# occ-gateway: queries and mutations go over HTTP, subscriptions over WebSocket.
# The Authorization header (Headers tab below) carries your JWT.
{
  skillGroups(pageSize: 5) {
    total
    records {
      sn
      name
    }
  }
}
`;

createRoot(document.getElementById('explorer')!).render(
  createElement(GraphiQL, { fetcher, initialHeaders: headers, defaultQuery, shouldPersistHeaders: false }),
);
