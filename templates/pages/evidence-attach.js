// 佐证材料 uploads from the phone: each chosen file gets an upload form from the server (for this
// unit, task and submission), is posted straight to the store with a progress bar, and on success
// adds its id to the form as a hidden field (the block's data-field, "evidence" by default). A
// failed upload offers 重试 (with a fresh form). Submitting waits until every upload has ended.
(function () {
  var form = document.querySelector('form[data-query]');
  if (!form) return;
  var limits = JSON.parse(form.getAttribute('data-limits'));
  var query = form.getAttribute('data-query');
  var submit = form.querySelector('button[type=submit]');
  var label = submit ? submit.textContent : '';
  var busy = 0;
  var MB = 1024 * 1024;

  function setBusy(delta) {
    busy += delta;
    if (!submit) return;
    submit.disabled = busy > 0;
    submit.textContent = busy > 0 ? '文件上传中，请稍候…' : label;
  }

  function fieldOf(attach) {
    return attach.getAttribute('data-field') || 'evidence';
  }

  function uploadedCount(attach) {
    return attach.querySelectorAll('input[type=hidden]').length + attach.querySelectorAll('li:not(.done):not(.failed)').length;
  }

  function ask(attach, files) {
    var kind = attach.getAttribute('data-kind');
    var task = attach.getAttribute('data-task') || form.getAttribute('data-task');
    var duty = attach.getAttribute('data-duty');
    var declared = files.map(function (f) { return { name: f.name, type: f.type || '', size: f.size }; });
    return fetch('/report/uploads?' + query, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      // A 常态化工作 block names its duty; every other block its task.
      body: JSON.stringify(duty ? { duty: duty, kind: kind, files: declared } : { task: task, kind: kind, files: declared })
    }).then(function (res) {
      return res.json().then(function (body) {
        if (!res.ok) throw new Error((body.error && body.error.message) || '无法开始上传，请重试');
        return body.uploads;
      });
    });
  }

  function row(list, file) {
    var li = document.createElement('li');
    var name = document.createElement('span');
    name.className = 'name';
    name.textContent = file.name + '（' + (file.size / MB).toFixed(file.size < MB ? 2 : 1) + ' MB）';
    var state = document.createElement('span');
    state.className = 'state';
    state.textContent = '等待上传';
    var bar = document.createElement('progress');
    bar.max = 1;
    bar.value = 0;
    li.appendChild(name);
    li.appendChild(state);
    li.appendChild(bar);
    list.appendChild(li);
    return { li: li, state: state, bar: bar };
  }

  function failed(attach, file, view, message) {
    view.li.className = 'failed';
    view.state.textContent = message;
    var again = document.createElement('button');
    again.type = 'button';
    again.className = 'plain retry';
    again.textContent = '重试';
    again.addEventListener('click', function () {
      again.remove();
      setBusy(1);
      view.state.textContent = '重新上传…';
      ask(attach, [file]).then(function (uploads) { send(attach, file, uploads[0], view); }, function (e) { setBusy(-1); failed(attach, file, view, e.message); });
    });
    view.li.appendChild(again);
  }

  function send(attach, file, upload, view) {
    var xhr = new XMLHttpRequest();
    xhr.open('POST', upload.upload.url);
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) {
        view.bar.value = e.loaded / e.total;
        view.state.textContent = '上传中 ' + Math.round((100 * e.loaded) / e.total) + '%';
      }
    };
    xhr.onload = function () {
      setBusy(-1);
      if (xhr.status >= 200 && xhr.status < 300) {
        view.bar.value = 1;
        view.li.className = 'done';
        view.state.textContent = '已上传';
        var hidden = document.createElement('input');
        hidden.type = 'hidden';
        hidden.name = fieldOf(attach);
        hidden.value = upload.id;
        view.li.appendChild(hidden);
      } else {
        var message = '上传失败（' + xhr.status + '）';
        try { message = JSON.parse(xhr.responseText).error.message; } catch (e) { /* S3 answers XML */ }
        failed(attach, file, view, message);
      }
    };
    xhr.onerror = function () {
      setBusy(-1);
      failed(attach, file, view, '网络中断，上传未完成');
    };
    var data = new FormData();
    Object.keys(upload.upload.fields).forEach(function (k) { data.append(k, upload.upload.fields[k]); });
    data.append('file', file);
    xhr.send(data);
  }

  Array.prototype.forEach.call(form.querySelectorAll('.attach'), function (attach) {
    var list = attach.querySelector('.uploads');
    var error = attach.querySelector('.attach-error');
    Array.prototype.forEach.call(attach.querySelectorAll('input[type=file]'), function (input) { input.addEventListener('change', function () {
      var files = Array.prototype.slice.call(input.files);
      input.value = '';
      error.hidden = true;
      var refused = [];
      var taken = files.filter(function (f) {
        if (f.size > limits.fileBytes) { refused.push('“' + f.name + '”超过' + limits.fileBytes / MB + ' MB'); return false; }
        return true;
      });
      var already = uploadedCount(attach);
      if (already + taken.length > limits.files) {
        refused.push('每次最多' + limits.files + '个文件');
        taken = taken.slice(0, Math.max(0, limits.files - already));
      }
      if (refused.length) { error.textContent = refused.join('；'); error.hidden = false; }
      if (!taken.length) return;
      var views = taken.map(function (f) { return row(list, f); });
      setBusy(taken.length);
      ask(attach, taken).then(
        function (uploads) { uploads.forEach(function (u, i) { send(attach, taken[i], u, views[i]); }); },
        function (e) {
          setBusy(-taken.length);
          views.forEach(function (v, i) { failed(attach, taken[i], v, e.message); });
        }
      );
    }); });
  });
})();
