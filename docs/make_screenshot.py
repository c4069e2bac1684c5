"""Takes docs/page.png: the page of `deemed serve` answering the fax of §4.2, in headless Chromium
through chromedriver. Run from the repository's top after `cargo build --release`."""

import json, socket, subprocess, time, base64, sys
def http(method, port, path, body=None):
    data = json.dumps(body).encode() if body is not None else b""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (method.encode(), path.encode(), port, len(data)) + data)
    f = s.makefile("rb")
    length = 0
    while True:
        line = f.readline().decode()
        if line.strip() == "": break
        if line.lower().startswith("content-length:"): length = int(line.split(":")[1])
    out = f.read(length)
    s.close()
    return json.loads(out) if out else None
srv = subprocess.Popen(["target/release/deemed", "serve", "--addr", "127.0.0.1:18090"], stderr=subprocess.DEVNULL)
drv = subprocess.Popen(["chromedriver", "--port=18091"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(1.5)
try:
    sid = http("POST", 18091, "/session", {"capabilities": {"alwaysMatch": {"goog:chromeOptions": {"args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=900,1700", "--hide-scrollbars"]}}}})["value"]["sessionId"]
    http("POST", 18091, f"/session/{sid}/url", {"url": "http://127.0.0.1:18090/"})
    time.sleep(1)
    script = """
      document.getElementById('method').value='fax';
      document.getElementById('sent').value='2000-03-03 9:15 pm';
      document.getElementById('to').value='company';
      document.getElementById('to').dispatchEvent(new Event('change'));
      document.getElementById('fax_number').value='(949) 788-6706';
      document.getElementById('deadline').value='2000-03-06';
      document.getElementById('notice').requestSubmit();
    """
    http("POST", 18091, f"/session/{sid}/execute/sync", {"script": script, "args": []})
    time.sleep(2)
    png = http("GET", 18091, f"/session/{sid}/screenshot")["value"]
    open("docs/page.png", "wb").write(base64.b64decode(png))
    http("DELETE", 18091, f"/session/{sid}")
finally:
    srv.terminate(); drv.terminate()
