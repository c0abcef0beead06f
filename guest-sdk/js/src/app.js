// A plugin: its routes (event, matcher, handler), its tasks, and the three exports the
// component model calls (describe, handle, runTask, taskNames).

import * as host from '#host';
import { describeError, HostError, PluginError } from './errors.js';
import { Event } from './events.js';
import { isBlocking, toWit } from './responses.js';
import { Agent, log } from './services.js';
import { isThenable, Task, Tasks } from './tasks.js';

export { Task };

const CAPABILITIES = ['read-files', 'write-files', 'network', 'environment', 'agent'];
const tools = (list) => (Array.isArray(list) ? list.join('|') : (list ?? ''));

export class HookApp {
  constructor(name, version = '0.1.0') {
    this.name = name;
    this.version = version;
    this.routes = []; // {event, matcher, handler, when}
    this.tasks = new Map();
    this.capabilities = [];
  }

  /**
   * `handler(event, tasks)` for `event` ('*': every event) when `matcher` accepts it (Claude
   * Code's rules: '' or '*' all, 'A|B' exact names, else a regular expression). It returns a
   * response or nothing (no opinion); it may be async. `when(event)` narrows it further.
   */
  on(event, matcher, handler, { when } = {}) {
    if (typeof matcher === 'function') return this.on(event, '', matcher, handler ?? {});
    if (typeof handler !== 'function') throw new PluginError(`the handler of ${event} is not a function`);
    this.routes.push({ event, matcher: matcher ?? '', handler, when });
    return this;
  }

  preTool(tool, handler, options) {
    return this.on('PreToolUse', tools(tool), handler, options);
  }
  postTool(tool, handler, options) {
    return this.on('PostToolUse', tools(tool), handler, options);
  }
  postToolFailure(tool, handler, options) {
    return this.on('PostToolUseFailure', tools(tool), handler, options);
  }
  onPermissionRequest(tool, handler, options) {
    return this.on('PermissionRequest', tools(tool), handler, options);
  }
  onPrompt(handler, options) {
    return this.on('UserPromptSubmit', '', handler, options);
  }
  onStop(handler, options) {
    return this.on('Stop', '', handler, options);
  }
  onSubagentStop(handler, options) {
    return this.on('SubagentStop', '', handler, options);
  }
  onSessionStart(matcher, handler, options) {
    return this.on('SessionStart', matcher, handler, options);
  }
  onSessionEnd(matcher, handler, options) {
    return this.on('SessionEnd', matcher, handler, options);
  }
  onNotification(matcher, handler, options) {
    return this.on('Notification', matcher, handler, options);
  }
  onPreCompact(matcher, handler, options) {
    return this.on('PreCompact', matcher, handler, options);
  }

  /** A background task, the seed's `@task(ttl=…, priority=…, transform=…)`; names are unique. */
  task(name, fn, options) {
    if (this.tasks.has(name)) throw new PluginError(`task ${name} is registered twice: give each task its own name`);
    const task = new Task(name, fn, options);
    this.tasks.set(name, task);
    return task;
  }

  /**
   * The seed's `@agent_task(model=…, system_prompt=…, allowed_tools=…)`: a task whose function
   * gets an Agent first, `fn(agent, ...args)`. The plugin then asks for --allow-agent.
   */
  agentTask(name, fn, { model, systemPrompt, allowedTools, maxTurns, maxBudgetUsd, ...options } = {}) {
    const agent = new Agent({ model, systemPrompt, allowedTools, maxTurns, maxBudgetUsd });
    const task = this.task(name, (...args) => fn(agent, ...args), options);
    this.needs('agent');
    return task;
  }

  /** Declare capabilities the user must grant: read-files, write-files, network, environment, agent. */
  needs(...capabilities) {
    for (const capability of capabilities) {
      if (!CAPABILITIES.includes(capability)) {
        throw new PluginError(`unknown capability ${capability}: one of ${CAPABILITIES.join(', ')}`);
      }
      if (!this.capabilities.includes(capability)) this.capabilities.push(capability);
    }
    return this;
  }

  /** (event, matcher) pairs, once each, in registration order: what describe() declares. */
  subscriptions() {
    const seen = [];
    for (const { event, matcher } of this.routes) {
      if (!seen.some((s) => s.event === event && s.matcher === matcher)) seen.push({ event, matcher });
    }
    return seen;
  }

  describe() {
    return { name: this.name, version: this.version, subscriptions: this.subscriptions(), capabilities: [...this.capabilities] };
  }

  /**
   * Run the routes of the subscriptions the host matched, in registration order; the first
   * deny or block answers at once, otherwise the host merges the answers by its one rule.
   * Synchronous while the handlers are; from the first async handler on, a promise.
   */
  handle(witEvent) {
    const raw = JSON.parse(witEvent.rawJson);
    const event = new Event(raw);
    const subscriptions = this.subscriptions();
    const fired = new Set(host.matchedSubscriptions(subscriptions, raw).map((i) => subscriptions[i]).filter(Boolean));
    const routes = this.routes.filter((route) => fired.has(subscriptions.find((s) => s.event === route.event && s.matcher === route.matcher)));
    const tasks = new Tasks();
    const answers = [];
    // The answer that ends the dispatch (a deny or block), or undefined to go on.
    const take = (answer) => {
      const wit = toWit(answer);
      if (Object.keys(wit).length === 0) return undefined;
      if (isBlocking(wit)) return wit;
      answers.push(wit);
      return undefined;
    };
    const from = (index) => {
      for (let i = index; i < routes.length; i++) {
        const route = routes[i];
        if (route.when && !route.when(event)) continue;
        const answer = route.handler(event, tasks);
        if (isThenable(answer)) return answer.then((value) => take(value) ?? from(i + 1));
        const done = take(answer);
        if (done) return done;
      }
      if (answers.length === 0) return {};
      return answers.length === 1 ? answers[0] : host.merge(answers);
    };
    return from(0);
  }

  /** Run task `name` with the JSON arguments of its add: its result as JSON text (or a promise of it). */
  runTask(name, args) {
    const task = this.tasks.get(name);
    if (!task) throw new PluginError(`${this.name} has no task ${name}`);
    const payload = JSON.parse(args);
    const value = task.run(Array.isArray(payload.args) ? payload.args : []);
    const encode = (result) => JSON.stringify(result ?? null);
    return isThenable(value) ? value.then(encode) : encode(value);
  }

  /**
   * The component's exports: `export const { describe, handle, runTask, taskNames } = app.exports();`.
   * An exception escaping a handler or task becomes one line for the host (`TypeError: …
   * (file:line)`, which the host prints after the plugin's name; the line is the bundle's),
   * and its stack goes to the log.
   */
  exports() {
    const fail = (where, err) => {
      const line = err instanceof HostError || err instanceof PluginError ? `${err.name}: ${err.message}` : describeError(err, host.SDK_DIR);
      if (err instanceof Error && err.stack) {
        try {
          log('error', `${where}: ${line}\n${err.stack}`);
        } catch {
          // the log is best effort; the answer below still carries the error
        }
      }
      return line;
    };
    // A call's result, its failure as one line (thrown, or rejected when it is async).
    const guarded = (where, call) => {
      let result;
      try {
        result = call();
      } catch (err) {
        throw fail(where, err);
      }
      return isThenable(result)
        ? result.catch((err) => {
            throw fail(where, err);
          })
        : result;
    };
    return {
      describe: () => this.describe(),
      handle: (event) => guarded(`handling ${event.name}`, () => this.handle(event)),
      runTask: (name, args) => guarded(`task ${name}`, () => this.runTask(name, args)),
      taskNames: () => [...this.tasks.keys()],
    };
  }
}
