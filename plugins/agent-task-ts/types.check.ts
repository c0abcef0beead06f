// Compiled by tsc only (tsconfig.json): the SDK's types are as precise as they claim. Each
// `@ts-expect-error` fails the check if the line below it stops being an error.
import { HookApp, type Response } from 'fasthooks-sdk';

const app = new HookApp('types-check');

app.onPrompt((event): Response | undefined => {
  const prompt: string = event.raw.prompt;
  // @ts-expect-error a prompt is a string, not a number
  const wrong: number = event.raw.prompt;
  return prompt && wrong ? undefined : undefined;
});

app.postTool('Write', (event) => {
  const path: string = event.toolInput.file_path;
  const response: unknown = event.raw.tool_response;
  // @ts-expect-error Write's content is a string
  const size: number = event.toolInput.content;
  return path && response && size ? undefined : undefined;
});

app.onSessionStart('startup', (event) => {
  const source: string = event.raw.source;
  return source ? undefined : undefined;
});

app.on('SessionEnd', (event) => {
  const reason: string = event.raw.reason;
  return reason ? undefined : undefined;
});

const double = app.task('double', (x: number) => x * 2, { transform: (n) => `${n}` });
app.onStop((_event, tasks) => {
  const text: string | undefined = tasks.pop(double);
  // @ts-expect-error the transform made it a string
  const n: number | undefined = tasks.pop(double);
  // @ts-expect-error double takes a number
  tasks.add(double, 'two');
  return text && n ? undefined : undefined;
});
