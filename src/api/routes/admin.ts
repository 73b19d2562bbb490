/** Kill switch and resume. Public port: admin password in the body. Socket: its owner, no password. */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { TradectlError } from "../../domain/errors.js";
import { success } from "../api-error.js";
import { adminPasswordCheck } from "../auth/admin-password.js";
import type { ApiDeps, AppKind } from "../deps.js";
import { parseJsonObject } from "../json-body.js";
import { json, jsonBody, routeDoc } from "../contract/route-doc.js";
import { AdminActionSchema, KillSwitchResponseSchema } from "../../webhook/schemas.js";

const ADMIN_AUTH = "Authentication: the `password` field of the body is checked against ADMIN_PASSWORD_HASH (bcrypt). 5 attempts per 5 minutes.";
/** On the socket its owner needs no password; `actor` names who acted in the audit log. */
const SocketAdminAction = {
  type: "object",
  properties: { reason: { type: "string", maxLength: 500 }, flatten: { type: "boolean" }, actor: { type: "string", description: "Who acted (the CLI sends the user's name)." } },
};

function adminDoc(kind: AppKind, operationId: string, summary: string, answer: string) {
  const publicPort = kind === "public";
  return routeDoc({
    operationId,
    summary,
    ...(publicPort ? { description: ADMIN_AUTH } : {}),
    tags: ["Admin"],
    requestBody: jsonBody(publicPort ? AdminActionSchema : SocketAdminAction, publicPort, publicPort ? { password: "admin-password-here", reason: "Manual emergency stop" } : { reason: "Manual emergency stop" }),
    answers: { 200: json(KillSwitchResponseSchema, answer) },
    refuses: publicPort ? ["VALIDATION_ERROR", "AUTH_FAILED", "RATE_LIMIT_EXCEEDED"] : ["VALIDATION_ERROR"],
  });
}

export const adminRoutes: FastifyPluginAsync<{ deps: ApiDeps; kind: AppKind }> = async (app, { deps, kind }) => {
  const checkPassword = adminPasswordCheck(deps);

  const authorise = async (req: FastifyRequest): Promise<{ body: Record<string, unknown>; actor: string }> => {
    const body = parseJsonObject(req.body);
    if (kind === "control") return { body, actor: typeof body.actor === "string" ? `socket:${body.actor}` : "socket" };
    await checkPassword(req, body.password);
    return { body, actor: `http:${req.ip}` };
  };
  const setHeaders = (reply: FastifyReply) => reply.header("Cache-Control", "no-store");

  app.post("/admin/kill-switch", adminDoc(kind, "activateKillSwitch", "Emergency stop: refuse every new signal until resumed", "Kill switch activated - all trading stopped."), async (req, reply) => {
    const { body, actor } = await authorise(req);
    const reason = typeof body.reason === "string" && body.reason.trim() ? body.reason.trim().slice(0, 500) : "Manual emergency stop";
    if (body.flatten !== undefined && typeof body.flatten !== "boolean") {
      throw new TradectlError("VALIDATION_ERROR", "flatten must be a boolean", { details: { field: "flatten", value: body.flatten } });
    }
    const data = await deps.control.activateKillSwitch({ reason, actor, flatten: body.flatten === true });
    deps.logger.warn("kill switch activated", { actor, reason, flatten: body.flatten === true });
    setHeaders(reply);
    return success(data, "Kill switch activated - All trading stopped");
  });

  app.post("/admin/resume", adminDoc(kind, "resumeTrading", "Lift the kill switch", "Trading resumed."), async (req, reply) => {
    const { body, actor } = await authorise(req);
    const reason = typeof body.reason === "string" ? body.reason.slice(0, 500) : undefined;
    const data = await deps.control.resume({ actor, ...(reason ? { reason } : {}) });
    deps.logger.warn("trading resumed", { actor, reason: reason ?? null });
    setHeaders(reply);
    return success(data, "Trading resumed");
  });
};
