// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"syscall"

	"github.com/modelgate/modelgate/config"
)

// version is the release version, set at build time with
// go build -ldflags "-X main.version=v1.2.3". Default: "dev".
var version = "dev"

// errReported means the problem was already printed; main only exits 1.
var errReported = errors.New("modelgate: failed (reported above)")

const usage = `usage: modelgate <command> [flags]

commands:
  serve    --config FILE [--listen HOST:PORT] [--log-level LEVEL]
           run the gateway until SIGINT or SIGTERM, then drain gracefully;
           SIGHUP reloads the configuration (a bad file keeps the old one)
  validate --config FILE
           print "ok", or every configuration problem one per line (exit 1)
  version  print the version
  help     print this help

MODELGATE_* environment variables override config keys, e.g.
MODELGATE_SERVER__LISTEN=127.0.0.1:9090 or MODELGATE_BACKENDS__0__URL=http://h:8080.
`

// run executes the command in args (os.Args) and returns when it is done
// or, for serve, when ctx is done and the gateway has drained.
func run(ctx context.Context, args []string, environ func() []string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return errReported
	}
	switch cmd, rest := args[1], args[2:]; cmd {
	case "serve":
		return serve(ctx, rest, environ, stderr)
	case "validate":
		return validate(rest, environ, stdout, stderr)
	case "version":
		fmt.Fprintf(stdout, "modelgate %s %s %s/%s\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "modelgate: unknown command %q\n\n%s", cmd, usage)
		return errReported
	}
}

// commonFlags are the flags of serve and validate.
type commonFlags struct {
	fs       *flag.FlagSet
	config   string
	listen   string
	logLevel string
}

func newFlags(name string, stderr io.Writer, serve bool) *commonFlags {
	f := &commonFlags{fs: flag.NewFlagSet(name, flag.ContinueOnError)}
	f.fs.SetOutput(stderr)
	f.fs.Usage = func() { fmt.Fprint(stderr, usage) }
	f.fs.StringVar(&f.config, "config", "", "the YAML configuration `file` (required)")
	if serve {
		f.fs.StringVar(&f.listen, "listen", "", "listen on `host:port` instead of server.listen")
		f.fs.StringVar(&f.logLevel, "log-level", "info", "log `level`: debug, info, warn or error")
	}
	return f
}

// parse parses args; a help request returns flag.ErrHelp.
func (f *commonFlags) parse(args []string) error {
	if err := f.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errReported // flag printed the problem and the usage
	}
	if f.fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected arguments %q", f.fs.Name(), f.fs.Args())
	}
	if f.config == "" {
		return fmt.Errorf("%s: --config is required", f.fs.Name())
	}
	return nil
}

// loadConfig loads and validates the configuration, reporting every
// problem. A non-empty listen overrides server.listen as if it came from
// the environment, last.
func loadConfig(path, listen string, environ func() []string) (*config.Config, error) {
	env := environ
	if listen != "" {
		env = func() []string {
			return append(slices.Clone(environ()), config.EnvPrefix+"SERVER__LISTEN="+listen)
		}
	}
	return config.LoadAndValidate(config.LoadOptions{Path: path, Environ: env})
}

// validate prints "ok" or every problem of the configuration.
func validate(args []string, environ func() []string, stdout, stderr io.Writer) error {
	f := newFlags("validate", stderr, false)
	if err := f.parse(args); err != nil {
		return helpIsOK(err)
	}
	if _, err := loadConfig(f.config, "", environ); err != nil {
		for line := range strings.SplitSeq(err.Error(), "\n") {
			fmt.Fprintln(stdout, line)
		}
		return errReported
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}

// serve runs the gateway until ctx is done, reloading the configuration
// on SIGHUP.
func serve(ctx context.Context, args []string, environ func() []string, stderr io.Writer) error {
	f := newFlags("serve", stderr, true)
	if err := f.parse(args); err != nil {
		return helpIsOK(err)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return fmt.Errorf("serve: --log-level: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	return serveConfig(ctx, f.config, f.listen, environ, log, hup)
}

// serveConfig serves the configuration at path until ctx is done; every
// value received from hup reloads it.
func serveConfig(ctx context.Context, path, listen string, environ func() []string, log *slog.Logger, hup <-chan os.Signal) error {
	load := func() (*config.Config, error) { return loadConfig(path, listen, environ) }
	cfg, err := load()
	if err != nil {
		return fmt.Errorf("invalid configuration %s:\n%w", path, err)
	}
	p, err := newPipeline(cfg, path, load, log)
	if err != nil {
		return err
	}
	defer p.close()
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("listening", "addr", ln.Addr().String(), "version", version, "config_version", p.state.Load().version,
		"backends", len(cfg.Backends), "models", len(cfg.Models))
	reloadCtx, stopReloads := context.WithCancel(ctx)
	reloads := make(chan struct{})
	go func() {
		defer close(reloads)
		p.watchReloads(reloadCtx, hup)
	}()
	err = p.gw.Run(ctx, ln)
	stopReloads()
	<-reloads // no reload may swap backends while p.close runs
	if err != nil {
		log.Error("stopped", "error", err.Error())
		return err
	}
	log.Info("stopped")
	return nil
}

// helpIsOK turns a help request into success.
func helpIsOK(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}
