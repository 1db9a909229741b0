#!/usr/bin/env node
import { Command } from "commander";
import { addPrepareCommand } from "../lib/cli/prepare-command";
import { addTuneCommand } from "../lib/cli/tune-command";
import { InvalidInputError, RungsError } from "../lib/errors";

const program = new Command("rungs")
  .description("Hyperparameter search for fastText classifiers: ASHA plus evolution.")
  .showHelpAfterError();
addTuneCommand(program);
addPrepareCommand(program);

program.parseAsync().catch((error: unknown) => {
  if (error instanceof InvalidInputError) {
    process.stderr.write(
      `${error.message}\nNothing was run. See \`rungs <command> --help\`.\n`,
    );
    process.exitCode = 2;
  } else if (error instanceof RungsError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
  } else {
    throw error;
  }
});
