// app.yml, the manifest GitHub registers the app from: every event the app
// handles is subscribed (a handler for an event GitHub never sends is dead),
// and no permission beyond what the app uses.
import { describe, expect, test } from "@jest/globals";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ROOT } from "../ingest/helpers.js";

const manifest = parse(readFileSync(join(ROOT, "app.yml"), "utf8")) as { default_events: string[]; default_permissions: Record<string, string> };

describe("app.yml", () => {
  test("subscribes to pull_request and check_run (Re-run of the check run)", () => {
    expect(manifest.default_events.sort()).toEqual(["check_run", "pull_request"]);
  });

  test("asks only for the permissions the app uses", () => {
    expect(manifest.default_permissions).toEqual({ metadata: "read", contents: "read", pull_requests: "write", checks: "write" });
  });
});
