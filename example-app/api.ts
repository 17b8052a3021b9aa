/** The example product's own API, protected by requireScope(). */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { requireScope, type AuthInfo } from '../lib/index.js';

export interface Task {
  id: string;
  title: string;
  done: boolean;
}

/** The product's tasks, per user (in memory: an example). The REST API and the MCP server share them. */
export interface Tasks {
  of(userId: string): Task[];
  create(userId: string, title: string): Task;
}

function createTasks(seed: (title: string) => string): Tasks {
  const tasksByUser = new Map<string, Task[]>([
    [
      'user_123',
      [
        { id: 'task_1', title: seed('Write the quarterly report'), done: false },
        { id: 'task_2', title: seed('Review pull requests'), done: true },
      ],
    ],
  ]);
  let nextId = 3;
  const of = (userId: string) => {
    let list = tasksByUser.get(userId);
    if (!list) tasksByUser.set(userId, (list = []));
    return list;
  };
  return {
    of,
    create(userId, title) {
      const task: Task = { id: `task_${nextId++}`, title, done: false };
      of(userId).push(task);
      return task;
    },
  };
}

/**
 * The product's data twice: live, and a sandbox that tokens of test-mode apps see and change
 * instead (`req.auth.testMode`, docs/pages.md "Test mode"): a developer trying an app in test
 * mode never reads or changes a user's real tasks.
 */
export interface TaskData {
  live: Tasks;
  sandbox: Tasks;
}

export function createTaskData(): TaskData {
  return { live: createTasks((title) => title), sandbox: createTasks((title) => `${title} (sandbox)`) };
}

/** The data a request's token may touch. */
export function tasksFor(data: TaskData, auth: { testMode: boolean }): Tasks {
  return auth.testMode ? data.sandbox : data.live;
}

export function apiRouter(data: TaskData): Router {
  const tasksOf = (auth: AuthInfo) => tasksFor(data, auth).of(auth.sub);

  const api = express.Router();
  // Read only where a body is expected, after the token was checked: an unauthenticated request
  // gets its 401 without the server reading what it sent.
  const json = express.json({ limit: '16kb' });

  api.get('/v1/tasks', requireScope('tasks:read'), (req, res) => {
    res.json({ data: tasksOf(req.auth!), test_mode: req.auth!.testMode });
  });
  api.post('/v1/tasks', requireScope('tasks:write'), json, (req, res) => {
    const title = (req.body as { title?: unknown } | undefined)?.title;
    if (typeof title !== 'string' || title.trim() === '' || title.length > 200) {
      res
        .status(400)
        .json({ error: 'invalid_request', error_description: 'title must be 1-200 characters.' });
      return;
    }
    res.status(201).json(tasksFor(data, req.auth!).create(req.auth!.sub, title.trim()));
  });
  api.delete('/v1/tasks/:id', requireScope('tasks:delete'), (req, res) => {
    const list = tasksOf(req.auth!);
    const index = list.findIndex((t) => t.id === req.params.id);
    if (index === -1) {
      res.status(404).json({ error: 'not_found' });
      return;
    }
    list.splice(index, 1);
    res.status(204).end();
  });
  api.get('/v1/projects', requireScope('projects:read'), (req, res) => {
    const name = req.auth!.testMode ? 'Website relaunch (sandbox)' : 'Website relaunch';
    res.json({ data: [{ id: 'proj_1', name }], test_mode: req.auth!.testMode });
  });
  api.get('/v1/user', requireScope('users:read'), (req, res) => {
    res.json({ id: req.auth!.sub, client_id: req.auth!.clientId, scopes: req.auth!.scopes });
  });
  // A body the JSON parser refused (malformed, too large, unknown charset or encoding): an
  // RFC-shaped 4xx, never Express's HTML error page. Other errors go on (requireScope's to
  // oauthErrorHandler).
  api.use('/v1', (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const status = (err as { status?: unknown; type?: unknown }).status;
    const fromParser = typeof (err as { type?: unknown }).type === 'string';
    if (res.headersSent || !fromParser || typeof status !== 'number' || status < 400 || status >= 500) {
      next(err);
      return;
    }
    res.status(status).json({
      error: 'invalid_request',
      error_description:
        status === 413 ? 'The body is larger than 16 KB.' : 'The body could not be read as UTF-8 JSON.',
    });
  });
  return api;
}
