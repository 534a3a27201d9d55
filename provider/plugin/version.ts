/** The plugin's version: the package's own, so the plugin and the npm package never disagree. */
export const PLUGIN_VERSION: string = (require("pulumi-vast-api-keys/package.json") as { version: string }).version;
