/**
 * The product's MCP server for AI agents: Streamable HTTP at `<issuer>/mcp`, stateless (a fresh
 * server per request), built with the official SDK and protected by requireScope for the MCP
 * resource. Tokens for the REST API are refused here (401 invalid_token), and MCP tokens there.
 *
 * Each tool needs its scope: a call without it is an HTTP 403 `insufficient_scope` naming the
 * scope (step-up), not a tool error inside a 200. Other requests (initialize, tools/list) need
 * either scope; without a token, agents are told to ask for `tasks:read` first.
 */
import express, { type RequestHandler, type Router } from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { requireScope } from '../lib/index.js';
import { tasksFor, type TaskData, type Tasks } from './api.js';

const TOOL_SCOPES: Record<string, string> = { list_tasks: 'tasks:read', create_task: 'tasks:write' };

/** The scopes the tool calls of a JSON-RPC message (or batch) need. */
function toolScopes(body: unknown): string[] {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  const scopes = new Set<string>();
  for (const message of messages) {
    const { method, params } = (message ?? {}) as { method?: unknown; params?: { name?: unknown } };
    if (method !== 'tools/call') continue;
    const scope = typeof params?.name === 'string' ? TOOL_SCOPES[params.name] : undefined;
    if (scope) scopes.add(scope);
  }
  return [...scopes];
}

function mcpServer(tasks: Tasks, userId: string): McpServer {
  const server = new McpServer({ name: 'taskflow', version: '1.0.0' });
  server.registerTool(
    'list_tasks',
    { description: "Lists the signed-in user's tasks, one title per line.", inputSchema: {} },
    async () => ({
      content: [
        {
          type: 'text',
          text: tasks
            .of(userId)
            .map((t) => t.title)
            .join('\n'),
        },
      ],
    }),
  );
  server.registerTool(
    'create_task',
    {
      description: 'Creates a task for the signed-in user.',
      inputSchema: { title: z.string().trim().min(1).max(200) },
    },
    async ({ title }) => {
      const task = tasks.create(userId, title);
      return { content: [{ type: 'text', text: `Created ${task.id}: ${task.title}` }] };
    },
  );
  return server;
}

export function mcpRouter(issuer: string, data: TaskData): Router {
  const mcpScope = requireScope.forResource(`${issuer}/mcp`);
  const anyTaskScope = mcpScope.any('tasks:read', 'tasks:write');
  // A tool call needs exactly its tool's scope (also what a request without a token is told).
  const toolGuards = new Map(Object.values(TOOL_SCOPES).map((scope) => [scope, mcpScope(scope)]));
  const guard: RequestHandler = (req, res, next) => {
    const needed = toolScopes(req.body);
    if (needed.length === 0) return anyTaskScope(req, res, next);
    const single = needed.length === 1 ? toolGuards.get(needed[0]!) : undefined;
    return (single ?? mcpScope(...needed))(req, res, next);
  };

  const router = express.Router();
  router.post('/mcp', express.json({ limit: '64kb' }), guard, async (req, res, next) => {
    try {
      const server = mcpServer(tasksFor(data, req.auth!), req.auth!.sub);
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (error) {
      next(error);
    }
  });
  // Stateless: no server-initiated stream to open and no session to end.
  router.all('/mcp', anyTaskScope, (_req, res) => {
    res
      .set('Allow', 'POST')
      .status(405)
      .json({
        jsonrpc: '2.0',
        error: { code: -32000, message: 'Method not allowed.' },
        id: null,
      });
  });
  return router;
}
