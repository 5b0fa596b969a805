/**
 * Compiles only when `Missing` is empty. Pins a hand-written list of field
 * names (a column list, the fields put on the wire) to the type it mirrors:
 * a field added to the type and not to the list fails the build instead of
 * being dropped at run time.
 */
export type NoneMissing<Missing extends never> = Missing;

/** `createdAt` → `created_at`: column names from field names. */
export type SnakeCase<S extends string> = S extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}`
  : S;
