/**
 * The worker side of processes.mjs: each command from the orchestrator runs
 * its handler, whose result goes back as the reply. A worker leaves when told,
 * or as soon as the orchestrator is gone.
 */
export function serve(handlers, { onExit } = {}) {
  const leave = async () => {
    try {
      await onExit?.();
    } finally {
      process.exit(0);
    }
  };
  process.on('disconnect', leave);
  process.on('message', async (message) => {
    if (message.cmd === 'exit') return leave();
    const handler = handlers[message.cmd];
    try {
      if (!handler) throw new Error(`unknown command ${message.cmd}`);
      process.send(await handler(message));
    } catch (error) {
      process.send({ type: 'error', message: error instanceof Error ? error.stack ?? error.message : String(error) });
    }
  });
}
