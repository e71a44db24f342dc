Console.WriteLine("usrnet");
