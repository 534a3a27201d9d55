/**
 * The program-side warning about permission categories Vast does not document, shared by every
 * resource class that takes a permission document (the provider never sees the resource to
 * attach a warning to, so classes raise it where the document is declared).
 */
import * as pulumi from "@pulumi/pulumi";
import { type PermissionDoc, unknownCategories } from "./permissions";

/** Warns, attached to `resource`, when `permissions` names categories Vast does not document. */
export function warnOnUnknownCategories(permissions: pulumi.Input<PermissionDoc>, resource: pulumi.Resource): void {
  pulumi.output(permissions).apply((doc) => {
    const unknown = doc && typeof doc === "object" && doc.api ? unknownCategories(doc) : [];
    if (unknown.length) {
      pulumi.log.warn(
        `permissions: categor${unknown.length > 1 ? "ies" : "y"} ${unknown.join(", ")} not documented by Vast; sent as-is (check the spelling)`,
        resource,
      );
    }
  });
}
