console.log('micro: todo');
