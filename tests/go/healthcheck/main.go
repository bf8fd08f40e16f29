// healthcheck: a Go health checker that builds a new http.Client and
// Transport for every probe with DisableKeepAlives: true, the incident of
// tests/scenarios/02_go_healthcheck_time_wait.sh: every probe is a new TCP
// connection, closed after one request, so TIME_WAIT entries pile up by the
// thousand (the service closes first, because the request says
// "Connection: close", so they sit on the service's port, and it is easy to
// blame the wrong process). Standard library only; loopback only.
//
//	healthcheck server              prints its port (pprof on the same
//	                                port), serves /healthz until killed
//	healthcheck check URL RATE SECONDS
//	                                RATE probes a second for SECONDS, then
//	                                idles until killed; prints its pprof port
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

func server() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond) // a deep check: database, cache, disk
		w.Write([]byte("ok\n"))
	})
	fmt.Println(ln.Addr().(*net.TCPAddr).Port)
	os.Stdout.Sync()
	http.Serve(ln, nil)
}

// probe: the bug. A fresh Transport per call with keep-alives off: one TCP
// connection per probe, never reused.
func probe(url string) error {
	c := &http.Client{
		Transport: &http.Transport{DisableKeepAlives: true},
		Timeout:   2 * time.Second,
	}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

func check(url string, rate, secs int) {
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go http.Serve(pl, nil) // net/http/pprof
	fmt.Println(pl.Addr().(*net.TCPAddr).Port)
	os.Stdout.Sync()
	var ok, bad, inflight int64
	tick := time.NewTicker(time.Second / time.Duration(rate))
	end := time.Now().Add(time.Duration(secs) * time.Second)
	for time.Now().Before(end) {
		<-tick.C
		if atomic.LoadInt64(&inflight) > 200 {
			continue // bounded
		}
		atomic.AddInt64(&inflight, 1)
		go func() {
			defer atomic.AddInt64(&inflight, -1)
			if probe(url) != nil {
				atomic.AddInt64(&bad, 1)
			} else {
				atomic.AddInt64(&ok, 1)
			}
		}()
	}
	tick.Stop()
	fmt.Fprintf(os.Stderr, "probes ok %d failed %d\n", atomic.LoadInt64(&ok), atomic.LoadInt64(&bad))
	select {}
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "server" {
		server()
		return
	}
	if len(os.Args) == 5 && os.Args[1] == "check" {
		r, _ := strconv.Atoi(os.Args[3])
		s, _ := strconv.Atoi(os.Args[4])
		if r < 1 || s < 1 {
			os.Exit(2)
		}
		check(os.Args[2], r, s)
		return
	}
	fmt.Fprintln(os.Stderr, "usage: healthcheck server | check URL RATE SECONDS")
	os.Exit(2)
}
