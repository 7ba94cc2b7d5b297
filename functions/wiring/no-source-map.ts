/**
 * Stands in for the `source-map` package in the Lambda bundles (infra/duban-function.ts): handlebars
 * asks for it only to map compiled templates back to their lines, and writes plain code when it has
 * no SourceNode, as it does here. About 26 KB less in each bundle that compiles templates.
 */
export const SourceNode = undefined;
