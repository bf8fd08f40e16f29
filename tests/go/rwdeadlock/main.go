// rwdeadlock: a Go HTTP service whose handlers deadlock on a sync.RWMutex,
// the incident of tests/scenarios/01_nginx_rwmutex_deadlock.sh. Standard
// library only; loopback only.
//
// The bug: price() takes the read lock inside a loop with `defer
// RUnlock()`, so the first lock is still held when the loop takes it again.
// A refresher takes the write lock every few milliseconds. Go's RWMutex
// blocks new readers as soon as a writer waits, so a handler that holds
// RLock and asks for it again while the refresher waits in Lock() deadlocks
// with the refresher, and every later request blocks in RLock. Handlers never
// return: the proxy in front gives up after its timeout, closes, and the
// service's end of each connection stays in CLOSE_WAIT with its goroutine.
//
//	rwdeadlock server        prints "APP_PORT PPROF_PORT", serves until killed
//	rwdeadlock load URL WORKERS SECONDS
//	                         WORKERS clients GET URL in a loop (one shared,
//	                         pooled http.Client, 10 s timeout) for SECONDS,
//	                         then exit; prints a count of outcomes
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type catalog struct {
	mu     sync.RWMutex
	prices map[string]int
}

// price sums the prices of keys. BUG: defer inside the loop keeps every
// read lock until the function returns, so the second iteration re-enters
// RLock while the first is held.
func (c *catalog) price(keys []string) int {
	total := 0
	for _, k := range keys {
		c.mu.RLock()
		defer c.mu.RUnlock()
		total += c.prices[k]
		time.Sleep(time.Millisecond) // a lookup
	}
	return total
}

// refresh updates prices under the write lock, as a cache refresher does.
func (c *catalog) refresh() {
	for i := 0; ; i++ {
		time.Sleep(3 * time.Millisecond)
		c.mu.Lock()
		c.prices["sku"+strconv.Itoa(i%8)] = i
		c.mu.Unlock()
	}
}

// stats allocates like a busy service does (request logging, metrics), so
// the garbage collector keeps running while the handlers are stuck: the
// runtime notes how long a goroutine has been blocked at GC time, and that
// is what the dumps' "N minutes" come from.
func stats() {
	var keep [][]byte
	for {
		time.Sleep(20 * time.Millisecond)
		keep = append(keep, make([]byte, 256<<10))
		if len(keep) > 8 {
			keep = keep[:0]
		}
	}
}

func server() {
	c := &catalog{prices: map[string]int{}}
	go c.refresh()
	go stats()
	app, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	pp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go http.Serve(pp, nil) // net/http/pprof on the default mux
	mux := http.NewServeMux()
	mux.HandleFunc("/quote", func(w http.ResponseWriter, r *http.Request) {
		keys := strings.Split(r.URL.Query().Get("items"), ",")
		fmt.Fprintf(w, "total %d\n", c.price(keys))
	})
	fmt.Printf("%d %d\n", app.Addr().(*net.TCPAddr).Port, pp.Addr().(*net.TCPAddr).Port)
	os.Stdout.Sync()
	(&http.Server{Handler: mux}).Serve(app)
}

func load(url string, workers int, secs int) {
	client := &http.Client{Timeout: 10 * time.Second}
	deadline := time.Now().Add(time.Duration(secs) * time.Second)
	var ok, bad, errs int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				resp, err := client.Get(url)
				if err != nil {
					atomic.AddInt64(&errs, 1)
					time.Sleep(100 * time.Millisecond)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					atomic.AddInt64(&ok, 1)
				} else {
					atomic.AddInt64(&bad, 1)
				}
			}
		}()
	}
	wg.Wait()
	fmt.Printf("ok %d non200 %d errors %d\n", ok, bad, errs)
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "server" {
		server()
		return
	}
	if len(os.Args) == 5 && os.Args[1] == "load" {
		w, _ := strconv.Atoi(os.Args[3])
		s, _ := strconv.Atoi(os.Args[4])
		load(os.Args[2], w, s)
		return
	}
	fmt.Fprintln(os.Stderr, "usage: rwdeadlock server | load URL WORKERS SECONDS")
	os.Exit(2)
}
