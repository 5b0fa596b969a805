import { cacheExchange, Client, fetchExchange, gql } from '@urql/core';
import { describe, expect, it } from 'vitest';
import { PASSWORD, TestParley, uniqueName } from './support/parley.js';

/*
 * Parley must work with clients configured as their documentation shows,
 * not only with the SDK (which always POSTs). urql's default sends queries
 * as GET, which Apollo's CSRF prevention used to refuse with a 400.
 */
describe('a stock urql client, default configuration', () => {
  const server = TestParley.forSuite();

  it('signs up (POST) and queries (GET) with the token in the Authorization header', async () => {
    let token: string | null = null;
    const methods: string[] = [];
    const client = new Client({
      url: server.url,
      exchanges: [cacheExchange, fetchExchange],
      fetchOptions: (): RequestInit => ({ headers: token ? { authorization: `Bearer ${token}` } : {} }),
      fetch: (input, init) => {
        methods.push(init?.method ?? 'GET');
        return fetch(input, init);
      },
    });

    const username = uniqueName();
    const signup = await client
      .mutation(gql`mutation ($u: String!, $p: String!) { signup(username: $u, password: $p) { token user { id } } }`, { u: username, p: PASSWORD })
      .toPromise();
    expect(signup.error).toBeUndefined();
    token = signup.data.signup.token;

    const me = await client.query(gql`query Me { me { id username } }`, {}).toPromise();
    expect(me.error).toBeUndefined();
    expect(me.data.me).toMatchObject({ id: signup.data.signup.user.id, username });
    expect(methods).toEqual(['POST', 'GET']);
  });
});
