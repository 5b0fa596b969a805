/** An error's message alone: for expected failures, logged or printed without a stack. */
export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The message on one line, so a driver's multi-line error still prints as `label: …` on one line. */
export const oneLine = (error: unknown): string => errorMessage(error).replace(/\s+/g, ' ').trim();
