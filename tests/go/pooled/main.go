// pooled: a healthy Go client and server under steady load, the control of
// tests/scenarios/05_go_pooled_healthy.sh: one http.Client with a sized
// connection pool for the life of the process, every body read and closed.
// Connections are reused; nothing grows. Standard library only; loopback only.
//
//	pooled server                      prints "PORT PPROF_PORT", serves
//	                                   until killed
//	pooled client URL WORKERS RATE SECONDS
//	                                   WORKERS goroutines share RATE requests
//	                                   a second for SECONDS, then idle until
//	                                   killed; prints its pprof port
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
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go http.Serve(pl, nil) // net/http/pprof on the default mux
	mux := http.NewServeMux()
	mux.HandleFunc("/api", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(40 * time.Millisecond) // a database query
		w.Write([]byte(`{"ok":true}` + "\n"))
	})
	fmt.Printf("%d %d\n", ln.Addr().(*net.TCPAddr).Port, pl.Addr().(*net.TCPAddr).Port)
	os.Stdout.Sync()
	srv := &http.Server{Handler: mux, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second, IdleTimeout: 90 * time.Second}
	srv.Serve(ln)
}

func client(url string, workers, rate, secs int) {
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go http.Serve(pl, nil)
	fmt.Println(pl.Addr().(*net.TCPAddr).Port)
	os.Stdout.Sync()
	// One client for the process, a pool as big as the concurrency.
	c := &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers, IdleConnTimeout: 90 * time.Second},
		Timeout:   5 * time.Second,
	}
	jobs := make(chan struct{}, workers)
	var ok, bad int64
	for w := 0; w < workers; w++ {
		go func() {
			for range jobs {
				resp, err := c.Get(url)
				if err != nil {
					atomic.AddInt64(&bad, 1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				atomic.AddInt64(&ok, 1)
			}
		}()
	}
	tick := time.NewTicker(time.Second / time.Duration(rate))
	end := time.Now().Add(time.Duration(secs) * time.Second)
	for time.Now().Before(end) {
		<-tick.C
		select {
		case jobs <- struct{}{}:
		default: // all workers busy: shed, stay bounded
		}
	}
	tick.Stop()
	fmt.Fprintf(os.Stderr, "requests ok %d failed %d\n", atomic.LoadInt64(&ok), atomic.LoadInt64(&bad))
	select {}
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "server" {
		server()
		return
	}
	if len(os.Args) == 6 && os.Args[1] == "client" {
		w, _ := strconv.Atoi(os.Args[3])
		r, _ := strconv.Atoi(os.Args[4])
		s, _ := strconv.Atoi(os.Args[5])
		if w < 1 || r < 1 || s < 1 {
			os.Exit(2)
		}
		client(os.Args[2], w, r, s)
		return
	}
	fmt.Fprintln(os.Stderr, "usage: pooled server | client URL WORKERS RATE SECONDS")
	os.Exit(2)
}
