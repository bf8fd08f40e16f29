// pushsvc: a Go push service that dials a new TCP connection to its gateway
// for every message and never closes it, with a reader goroutine per
// connection waiting for the gateway's acks: the incident of
// tests/scenarios/03_go_push_dial_leak.sh. Connections (ESTABLISHED, both
// ends on this host), fds and goroutines grow together until the process
// hits RLIMIT_NOFILE. Standard library only; loopback only.
//
//	pushsvc gateway                 prints "PORT PPROF_PORT"; accepts pushes,
//	                                acks each line, holds the connection
//	                                while the client keeps it
//	pushsvc push ADDR RATE SECONDS  prints its pprof port; RATE messages a
//	                                second for SECONDS, then idles until killed
package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

func gateway() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go http.Serve(pl, nil)
	fmt.Printf("%d %d\n", ln.Addr().(*net.TCPAddr).Port, pl.Addr().(*net.TCPAddr).Port)
	os.Stdout.Sync()
	for {
		c, err := ln.Accept()
		if err != nil {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		go func(c net.Conn) { // a well-behaved server: ends with its client
			defer c.Close()
			r := bufio.NewReader(c)
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					return
				}
				fmt.Fprintf(c, "ACK %s", line)
			}
		}(c)
	}
}

var sent, failed int64

// send: the bug. A new connection per message, and nothing ever closes it:
// the reader goroutine waits for acks forever, holding the connection.
func send(addr string, msg string) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		atomic.AddInt64(&failed, 1)
		return
	}
	go func() {
		r := bufio.NewReader(c)
		for {
			if _, err := r.ReadString('\n'); err != nil {
				return
			}
		}
	}()
	fmt.Fprintf(c, "%s\n", msg)
	atomic.AddInt64(&sent, 1)
}

func push(addr string, rate, secs int) {
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go http.Serve(pl, nil)
	fmt.Println(pl.Addr().(*net.TCPAddr).Port)
	os.Stdout.Sync()
	tick := time.NewTicker(time.Second / time.Duration(rate))
	end := time.Now().Add(time.Duration(secs) * time.Second)
	for i := 0; time.Now().Before(end); i++ {
		<-tick.C
		send(addr, "notify user"+strconv.Itoa(i))
	}
	tick.Stop()
	fmt.Fprintf(os.Stderr, "sent %d failed %d\n", atomic.LoadInt64(&sent), atomic.LoadInt64(&failed))
	select {}
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "gateway" {
		gateway()
		return
	}
	if len(os.Args) == 5 && os.Args[1] == "push" {
		r, _ := strconv.Atoi(os.Args[3])
		s, _ := strconv.Atoi(os.Args[4])
		if r < 1 || s < 1 {
			os.Exit(2)
		}
		push(os.Args[2], r, s)
		return
	}
	fmt.Fprintln(os.Stderr, "usage: pushsvc gateway | push ADDR RATE SECONDS")
	os.Exit(2)
}
