import { errorForStatus } from "../../provider/client/client";
import { parseErrorBody, parseRights, toIsoTime } from "../../provider/client/wire";
import { isVastError, redactSecrets, VastAuthError, VastForbiddenError, VastNotFoundError } from "../../provider/errors";
import { STATE_SCHEMA_VERSION, upgradeState, withoutUndefined } from "../../provider/state";

const base = { method: "DELETE", path: "/api/v0/auth/apikeys/5/" };

describe("error mapping", () => {
  it.each([
    [{ status: 401 }, "VAST_AUTH_FAILED", VastAuthError],
    [{ status: 404, apiError: "auth_error", apiMessage: "Invalid user key" }, "VAST_AUTH_FAILED", VastAuthError],
    [{ status: 404, apiMessage: "Invalid user key" }, "VAST_AUTH_FAILED", VastAuthError],
    [{ status: 404, apiMessage: "Session expired. Please log in again." }, "VAST_AUTH_FAILED", VastAuthError],
    [{ status: 404, apiMessage: "API Key not found." }, "VAST_NOT_FOUND", VastNotFoundError],
    [{ status: 403 }, "VAST_FORBIDDEN", VastForbiddenError],
    [{ status: 400 }, "VAST_BAD_REQUEST", Error],
    [{ status: 429 }, "VAST_RATE_LIMITED", Error],
    [{ status: 503 }, "VAST_SERVER_ERROR", Error],
    [{ status: 418 }, "VAST_UNEXPECTED_STATUS", Error],
  ])("%j -> %s", (details, code, cls) => {
    const err = errorForStatus({ ...base, ...details });
    expect(err.code).toBe(code);
    expect(err).toBeInstanceOf(cls);
    expect(isVastError(err)).toBe(true);
    expect(err.message).toContain("DELETE /api/v0/auth/apikeys/5/");
  });

  it("says what to do about a rejected credential, mentioning 2FA when Vast does", () => {
    const err = errorForStatus({ ...base, status: 401, apiMessage: "Two Factor Authentication required" });
    expect(err.message).toMatch(/2FA/);
    expect(err.message).toMatch(/VAST_API_KEY/);
  });

  it("recognises errors from another copy of the module by brand, not instanceof", () => {
    const foreign = Object.assign(new Error("x"), { [Symbol.for("pulumi-vast-api-keys.VastError")]: true, code: "VAST_TIMEOUT" });
    expect(isVastError(foreign)).toBe(true);
    expect(isVastError(new Error("x"))).toBe(false);
  });

  it("redacts secrets, keeping only the last four characters", () => {
    const secret = "0123456789abcdef0123";
    expect(redactSecrets(`token ${secret} here ${secret}`, [secret])).toBe("token [REDACTED…0123] here [REDACTED…0123]");
  });
});

describe("wire parsing", () => {
  it("parses error bodies leniently: JSON msg, detail, plain text, JSON string", () => {
    expect(parseErrorBody('{"success":false,"error":"auth_error","msg":"Invalid user key"}')).toEqual({
      error: "auth_error",
      message: "Invalid user key",
    });
    expect(parseErrorBody('{"detail":"API requests too frequent endpoint threshold=2.0","retry_after":3}')).toEqual({
      message: "API requests too frequent endpoint threshold=2.0",
      retryAfterSeconds: 3,
    });
    expect(parseErrorBody("API requests too frequent")).toEqual({ message: "API requests too frequent" });
    expect(parseErrorBody('"Successfully Deleted API Key"')).toEqual({ message: "Successfully Deleted API Key" });
    expect(parseErrorBody("")).toEqual({});
  });

  it("reads rights as a JSON string or an object, and Vast's float epoch timestamps", () => {
    expect(parseRights('{"api":{"misc":{}}}')).toEqual({ api: { misc: {} } });
    expect(parseRights({ api: {} })).toEqual({ api: {} });
    expect(parseRights("read")).toBe("read");
    expect(toIsoTime(1795475993.5)).toBe("2026-11-23T23:19:53.500Z");
    expect(toIsoTime(null)).toBeUndefined();
  });
});

describe("state", () => {
  const state = { schemaVersion: 1, keyId: 3, name: "a", permissions: {}, createdAt: "2026-01-01T00:00:00Z", __provider: "x" };

  it("refuses state from a newer package version instead of downgrading it", () => {
    expect(() => upgradeState({ ...state, schemaVersion: STATE_SCHEMA_VERSION + 1 })).toThrow(
      expect.objectContaining({ code: "VAST_STATE_TOO_NEW" }),
    );
  });

  it("reads the current shape, dropping __provider, and keeps unknown extra fields", () => {
    const up = upgradeState({ ...state, futureField: 1 });
    expect(up).not.toHaveProperty("__provider");
    expect(up).toMatchObject({ keyId: 3, futureField: 1 });
  });

  it("strips undefined members, which the engine cannot encode", () => {
    expect(withoutUndefined({ a: 1, b: undefined, c: null })).toEqual({ a: 1, c: null });
  });
});
