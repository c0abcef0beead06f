// fasthooks-sdk for JavaScript and TypeScript: fasthooks-host plugins in the shape of the
// Python framework fasthooks, compiled to WebAssembly components (esbuild, then jco).
//
//   import { HookApp, deny } from 'fasthooks-sdk';
//   const app = new HookApp('no-rm', '0.1.0');
//   app.preTool('Bash', (event) => (event.command?.includes('rm -rf') ? deny('Dangerous command') : undefined));
//   export const { describe, handle, runTask, taskNames } = app.exports();
//
// Module map: ./app.js (routes, tasks, the three exports), ./tasks.js (the task API),
// ./events.js (Event, matcher rules), ./responses.js (allow, deny, …), ./services.js (state,
// memory, agent, log), ./errors.js, ./host/ (the WIT imports in a component, an in-memory
// stand-in in plain Node: see ./testing.js).

export { HookApp, Task } from './app.js';
export { Tasks, TaskStatus } from './tasks.js';
export { Event, EVENT_NAMES, KNOWN_TOOLS } from './events.js';
export { allow, approve, ask, block, context, defer, deny, stop } from './responses.js';
export { Agent, log, memory, state } from './services.js';
export { HostError, PluginError } from './errors.js';
