/**
 * The `clacks` command. Each subcommand lives in its own file and is added
 * here with `program.addCommand(...)`.
 * @module
 */
import { Command } from 'commander';
import { VERSION } from '../version.js';
import { serveCommand } from './serve.js';
import { gatewayCommand } from './gateway.js';
import { consoleCommand } from './console.js';
import { addClientCommands } from './commands.js';

const program = new Command('clacks')
  .description('Tools for the CLACKS interprocess messaging and caching protocol')
  .version(VERSION);

program.addCommand(serveCommand());
program.addCommand(gatewayCommand());
program.addCommand(consoleCommand());
addClientCommands(program);

await program.parseAsync(process.argv);
