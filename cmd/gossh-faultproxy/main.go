// Command gossh-faultproxy is core/sshtest's FaultProxy as a program, for the
// C, Python and Node fault tests: a TCP proxy on 127.0.0.1 in front of a
// loopback server that breaks every connection in one way.
//
//	gossh-faultproxy -target 127.0.0.1:PORT -fault MODE -after N[,N...] [-after-up N] [-listen 127.0.0.1:0]
//
// MODE is none, close (FIN to the client, upstream closed), rst (RST to the
// client), fin (half-close toward the client only), stall (stop forwarding,
// keep the sockets open), drip (the -drip-span bytes after N in 1..7-byte
// pieces; data intact) or flip (one bit of byte N flipped). N counts bytes
// server→client; with a list, connection i uses the i-th value (cycling).
//
//	gossh-faultproxy -target 127.0.0.1:PORT -delay D
//
// With -delay (e.g. 25ms) it breaks nothing: it holds every chunk for D in
// each direction, a link with a round-trip time of 2*D, for benchmarks.
//
// It prints the listening port alone on its first stdout line, then serves
// until SIGTERM or SIGINT, until its stdin reaches EOF (so that it ends with
// the test that started it), or until -lifetime passes, whichever is first.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gossh/gossh/core/sshtest"
)

func main() {
	target := flag.String("target", "", "the server, 127.0.0.1:PORT (required)")
	faultName := flag.String("fault", "none", "none, close, rst, fin, stall, drip or flip")
	after := flag.String("after", "0", "bytes server->client before the fault; a comma-separated list cycles over connections")
	afterUp := flag.Int64("after-up", 0, "if > 0, close/rst/fin/stall also fire after this many bytes client->server")
	listen := flag.String("listen", "127.0.0.1:0", "loopback address to listen on")
	dripSpan := flag.Int64("drip-span", sshtest.DefaultDripSpan, "bytes that drip forwards in small pieces")
	delay := flag.Duration("delay", 0, "if > 0, delay every chunk this long in each direction instead of a fault")
	lifetime := flag.Duration("lifetime", 10*time.Minute, "exit after this long whatever happens")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("gossh-faultproxy: ")
	if *target == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	fault, err := sshtest.ParseProxyFault(*faultName)
	if err != nil {
		log.Fatal(err)
	}
	var offsets []int64
	for _, s := range strings.Split(*after, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || n < 0 {
			log.Fatalf("-after: %q is not a byte count", s)
		}
		offsets = append(offsets, n)
	}
	var p interface {
		Port() int
		Close() error
	}
	if *delay > 0 {
		if fault != sshtest.ProxyNone {
			log.Fatal("-delay goes with -fault none")
		}
		p, err = sshtest.StartDelayProxy(*target, *delay)
	} else {
		p, err = sshtest.StartFaultProxy(sshtest.ProxyConfig{Target: *target, Fault: fault, After: offsets,
			AfterUp: *afterUp, Listen: *listen, DripSpan: *dripSpan})
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Port())

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	stdinEOF := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(stdinEOF)
	}()
	select {
	case <-stop:
	case <-stdinEOF:
	case <-time.After(*lifetime):
		log.Printf("exiting after -lifetime %v", *lifetime)
	}
	p.Close()
}
