/**
 * The command line: starting the agent, --check and its reports, --print-config, log levels and
 * signals.
 */
package io.cgroupotel.agent.cli;
