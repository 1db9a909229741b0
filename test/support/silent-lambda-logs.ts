/**
 * Imported before a Lambda handler: Powertools reads the level when the
 * handler module creates its logger, and tests want no log lines.
 */
process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
