import type { ParleyErrorCode } from '@parley/sdk';
import type { CombinedError } from '@urql/core';

/**
 * Parley's error codes as the SDK names them (docs/sdk.md, "Errors"; NETWORK for no
 * answer at all), plus UNKNOWN for a GraphQL error without a code. A type-only
 * import: the web bundle takes nothing of the SDK's code.
 */
export type ErrorCode = ParleyErrorCode | 'UNKNOWN';

export interface ApiError {
  code: ErrorCode;
  message: string;
  /** RATE_LIMITED: how long to wait, from the error's `extensions.retryAfterMs`. */
  retryAfterMs?: number;
}

export function toApiError(error: CombinedError): ApiError {
  if (error.networkError && error.graphQLErrors.length === 0) {
    return { code: 'NETWORK', message: 'Parley cannot be reached. Check your connection and try again.' };
  }
  const first = error.graphQLErrors[0];
  const code = (first?.extensions?.code as ErrorCode | undefined) ?? 'UNKNOWN';
  const retryAfterMs = first?.extensions?.retryAfterMs;
  return {
    code,
    message: first?.message ?? error.message,
    ...(typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) ? { retryAfterMs } : {}),
  };
}

export type AuthField = 'username' | 'password' | 'displayName';

/**
 * Where a sign-up or login error belongs on the form, in words for a person.
 * Parley's input errors start with the field's name ("password must be at
 * least 8 characters"), which is how they find their input here.
 */
export function describeAuthError(error: ApiError, mode: 'login' | 'signup'): { field: AuthField | null; message: string } {
  switch (error.code) {
    case 'CONFLICT':
      return { field: 'username', message: 'That username is taken. Try another one.' };
    case 'UNAUTHENTICATED':
      return { field: 'password', message: 'Wrong username or password.' };
    case 'RATE_LIMITED':
      return { field: null, message: `Too many attempts. ${retryHint(error.retryAfterMs)}` };
    case 'BAD_USER_INPUT': {
      const field = (['username', 'password', 'displayName'] as const).find((name) => error.message.startsWith(name)) ?? null;
      const text = field ? error.message.replace(/^displayName/, 'Display name').replace(/^\w/, (c) => c.toUpperCase()) : error.message;
      // Login never validates a password's length; a short one is simply wrong.
      if (mode === 'login' && field === 'password') return { field, message: 'Wrong username or password.' };
      return { field, message: `${text}.` };
    }
    default:
      return { field: null, message: error.message };
  }
}

/** 41,200 ms → "Try again in 42 s." */
function retryHint(retryAfterMs: number | undefined): string {
  return retryAfterMs === undefined ? 'Wait a moment and try again.' : `Try again in ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s.`;
}

/**
 * What a sign-up form can tell before asking: every field's problem at once
 * (the server names only the first). The same rules and words as the
 * server's; the server still decides.
 */
export function signupProblems(username: string, password: string): Partial<Record<AuthField, string>> {
  const problems: Partial<Record<AuthField, string>> = {};
  const name = username.trim().toLowerCase();
  if (name.length < 3 || name.length > 32 || !/^[a-z0-9_]+$/.test(name)) problems.username = 'Username must be 3 to 32 characters of a-z, 0-9 and _.';
  if ([...password].length < 8) problems.password = 'Password must be at least 8 characters.';
  return problems;
}
