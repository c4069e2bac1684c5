"""POST a JSON Lines log to `deemed serve`'s /v1/batch, sending and reading at once (as a
system streaming its log would), and print the bytes received and the seconds taken.

    python3 benches/batch_client.py /tmp/real1m.jsonl 127.0.0.1:8080

curl, which sends the whole body before it reads much of the answer, measures itself more
than the server here.
"""

import socket
import sys
import threading
import time

path, addr = sys.argv[1], sys.argv[2]
host, port = addr.rsplit(":", 1)
data = open(path, "rb").read()
sock = socket.create_connection((host, int(port)))
sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
head = b"POST /v1/batch HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % (
    host.encode(),
    len(data),
)
received = [0]


def read():
    while True:
        chunk = sock.recv(1 << 20)
        if not chunk:
            break
        received[0] += len(chunk)


start = time.time()
reader = threading.Thread(target=read)
reader.start()
sock.sendall(head + data)
reader.join()
print("bytes", received[0], "seconds", round(time.time() - start, 3))
