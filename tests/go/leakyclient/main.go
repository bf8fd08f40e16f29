// leakyclient: a Go HTTP client that leaks one connection per request by
// never closing response bodies (each leaked connection keeps two
// net/http.(*persistConn) goroutines and one ESTABLISHED socket), next to
// a server mode it talks to. Standard library only; loopback only.
//
//	leakyclient server            prints its port, serves until killed
//	leakyclient client URL N      makes N leaking requests, prints its pprof
//	                              port, then holds everything until killed
package main

import (
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"strconv"
	"time"
)

func serve() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Println(ln.Addr().(*net.TCPAddr).Port)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("hello\n"))
	})
	http.Serve(ln, mux)
}

func client(url string, n int) {
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go http.Serve(pl, nil) // net/http/pprof on the default mux
	for i := 0; i < n; i++ {
		// The bug: a fresh Transport per request and the body never
		// closed, so nothing is ever reused or released.
		c := &http.Client{Transport: &http.Transport{}}
		resp, err := c.Get(url)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			continue
		}
		_ = resp // body intentionally leaked
	}
	fmt.Println(pl.Addr().(*net.TCPAddr).Port)
	time.Sleep(10 * time.Minute)
}

func main() {
	if len(os.Args) >= 2 && os.Args[1] == "server" {
		serve()
		return
	}
	if len(os.Args) == 4 && os.Args[1] == "client" {
		n, _ := strconv.Atoi(os.Args[3])
		client(os.Args[2], n)
		return
	}
	fmt.Fprintln(os.Stderr, "usage: leakyclient server | client URL N")
	os.Exit(2)
}
