// The SDK's errors: what the host refused, and what a plugin got wrong.

/** The host refused a call (for example the session's task queue is full). */
export class HostError extends Error {
  constructor(call, reason) {
    super(`${call}: ${reason}`);
    this.name = 'HostError';
    this.call = call;
    this.reason = reason;
  }
}

/** A plugin's own mistake, found when it registers (a task named twice, a bad option). */
export class PluginError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PluginError';
  }
}

/**
 * One line for an exception escaping a handler or a task: its class, message and where it was
 * thrown (`TypeError: x is undefined (app.js:12)`). Strings thrown as errors are kept as they are.
 * Frames under `sdkDir` (the SDK's own files, when it is not bundled) are not the plugin's.
 */
export function describeError(err, sdkDir = '') {
  if (typeof err === 'string') return err;
  if (!(err instanceof Error)) {
    try {
      return `thrown: ${JSON.stringify(err)}`;
    } catch {
      return `thrown: ${String(err)}`;
    }
  }
  const where = thrownAt(err.stack, sdkDir);
  const text = `${err.name}: ${err.message}`;
  return where ? `${text} (${where})` : text;
}

// The first frame of a stack that is the plugin's, as `file:line`, in V8's
// (`at f (file:1:2)`) or SpiderMonkey's (`f@file:1:2`) shape.
function thrownAt(stack, sdkDir) {
  if (typeof stack !== 'string') return undefined;
  for (const line of stack.split('\n')) {
    const match = line.match(/(?:\(|@|at )([^()\s@]+):(\d+):\d+\)?\s*$/);
    if (!match) continue;
    if (match[1].startsWith('node:') || (sdkDir && match[1].startsWith(sdkDir))) continue;
    return `${match[1].split('/').pop()}:${match[2]}`;
  }
  return undefined;
}
