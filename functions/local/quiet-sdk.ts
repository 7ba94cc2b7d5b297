/**
 * The AWS SDK warns on every start that its 2027 releases will need Node 22. The Lambda runtime is
 * newer; on a laptop the warning only buries the sandbox's URLs. Imported first by the local entries.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The SES emulator has no sending quota: the local default paces sends far faster than SES would. */
export const LOCAL_CADENCE_DEFAULTS = JSON.stringify({ sendRatePerSecond: 1000 });
